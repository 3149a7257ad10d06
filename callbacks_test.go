//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type assocAuthor struct {
	ID   uint
	Name string
}

// assocByline holds a belongs-to relationship inside an embedded struct.
type assocByline struct {
	AuthorID uint
	Author   assocAuthor
}

type assocPost struct {
	ID     uint
	Title  string
	Byline assocByline `gorm:"embedded"`
	Notes  []assocNote
}

type assocNote struct {
	ID          uint
	AssocPostID uint
	Text        string
}

// The dialect runs GORM's association callbacks only for models with
// relationships: every kind of them, embedded ones too, is still saved and
// deleted as GORM does.
func TestAssociationCallbacksRunForModelsWithRelationships(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&assocAuthor{}, &assocPost{}, &assocNote{}))

	post := assocPost{Title: "t", Byline: assocByline{Author: assocAuthor{Name: "ann"}}, Notes: []assocNote{{Text: "a"}, {Text: "b"}}}
	require.NoError(t, db.Create(&post).Error)
	assert.NotZero(t, post.Byline.AuthorID, "the embedded belongs-to was saved first")
	var authors, notes int64
	require.NoError(t, db.Model(&assocAuthor{}).Where("name = ?", "ann").Count(&authors).Error)
	assert.Equal(t, int64(1), authors)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Equal(t, int64(2), notes, "the has-many was saved after")

	post.Notes = append(post.Notes, assocNote{Text: "c"})
	require.NoError(t, db.Save(&post).Error)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Equal(t, int64(3), notes, "an update saves new associated rows")

	require.NoError(t, db.Select("Notes").Delete(&post).Error)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Zero(t, notes, "Select(\"Notes\").Delete deletes the has-many first")
}

type assocTag struct {
	ID   uint
	Name string
}

type assocPicture struct {
	ID        uint
	URL       string
	OwnerID   uint
	OwnerType string
}

// assocAlbum has a many-to-many (with its join table) and a polymorphic
// has-one.
type assocAlbum struct {
	ID    uint
	Title string
	Tags  []assocTag   `gorm:"many2many:assoc_album_tags"`
	Cover assocPicture `gorm:"polymorphic:Owner"`
}

// Many-to-many join rows and polymorphic children are saved through
// Create, Updates and Save, Omit and Select(clause.Associations) are
// honoured, and a slice of structs is saved whole.
func TestAssociationCallbacksManyToManyAndPolymorphic(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&assocTag{}, &assocPicture{}, &assocAlbum{}))
	count := func(table string) int64 {
		t.Helper()
		var n int64
		require.NoError(t, db.Table(table).Count(&n).Error)
		return n
	}

	albums := []assocAlbum{
		{Title: "x", Tags: []assocTag{{Name: "a"}, {Name: "b"}}, Cover: assocPicture{URL: "1"}},
		{Title: "y", Tags: []assocTag{{Name: "c"}}, Cover: assocPicture{URL: "2"}},
	}
	require.NoError(t, db.Create(&albums).Error)
	assert.Equal(t, int64(3), count("assoc_album_tags"), "the join rows")
	assert.Equal(t, int64(2), count("assoc_pictures"))
	var cover assocPicture
	require.NoError(t, db.Where("url = ?", "1").First(&cover).Error)
	assert.Equal(t, "assoc_albums", cover.OwnerType)
	assert.Equal(t, albums[0].ID, cover.OwnerID)

	require.NoError(t, db.Omit(clause.Associations).Create(&assocAlbum{Title: "z", Tags: []assocTag{{Name: "omitted"}}}).Error)
	assert.Equal(t, int64(3), count("assoc_tags"), "Omit(clause.Associations) saves none")

	albums[1].Tags = append(albums[1].Tags, assocTag{Name: "d"})
	require.NoError(t, db.Select(clause.Associations).Updates(&albums[1]).Error)
	assert.Equal(t, int64(4), count("assoc_album_tags"), "Updates saves the new join row")
	albums[1].Tags = append(albums[1].Tags, assocTag{Name: "e"})
	require.NoError(t, db.Save(&albums[1]).Error)
	assert.Equal(t, int64(5), count("assoc_album_tags"), "Save saves the new join row")

	require.NoError(t, db.Select(clause.Associations).Delete(&albums[0]).Error)
	assert.Equal(t, int64(3), count("assoc_album_tags"), "Select(clause.Associations).Delete removes the join rows")
	assert.Equal(t, int64(1), count("assoc_pictures"), "and the polymorphic child")
}
